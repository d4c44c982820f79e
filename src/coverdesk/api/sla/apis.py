"""One router for the timeliness API, assembled from one router per area."""

from ninja import Router

from coverdesk.api.sla import calendars, clocks, kpis, standards

router = Router()
router.add_router("", calendars.router)
router.add_router("", standards.router)
router.add_router("", clocks.router)
router.add_router("", kpis.router)
