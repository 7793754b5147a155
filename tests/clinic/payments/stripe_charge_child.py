"""The worker side of test_stripe_crash, run as its own process: charge one card tender through
``processor.collect`` and be SIGKILLed by the test before the outcome is recorded.

``python -m tests.clinic.payments.stripe_charge_child TENDER_PK MODE``; MODE ``in_flight``: the
test kills it while Stripe's answer is on its way; ``answered``: the answer arrived and the
process stops (prints ANSWERED, then waits to be killed) just before ``tenders.settle``.
"""

from __future__ import annotations

import os
import sys
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "needlepoint.settings")
    import django

    django.setup()
    from needlepoint.clinic.payments import processor, tenders
    from needlepoint.clinic.payments.models import Tender

    pk, mode = int(sys.argv[1]), sys.argv[2]
    if mode == "answered":

        def stuck(tender: object, *, at: object) -> None:
            print("ANSWERED", flush=True)
            time.sleep(600)

        tenders.settle = stuck  # type: ignore[assignment]
    tender = Tender.objects.get(pk=pk)
    print("SENDING", flush=True)
    processor.collect(tender, off_session=True)
    print("RECORDED", flush=True)


if __name__ == "__main__":
    main()
