"""What the matching app registers with the marketplace below it (imported from `AppConfig.ready()`):
its personal data (marketplace.services.personal_data) and its demo stages (marketplace.demo.stages)."""

from marketplace.demo import stages
from marketplace.services import personal_data

from . import demo
from .services.personal_data import HOLDER

personal_data.register(HOLDER)
for stage in demo.STAGES:
    stages.register(stage)
