from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from indicators.models import Target
from indicators.rules import Polarity
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db


def test_a_tolerance_on_the_better_side_of_the_target_is_rejected():
    indicator = IndicatorFactory(polarity=Polarity.HIGHER_IS_BETTER)
    target = Target(indicator=indicator, fiscal_year=2016, target=92, tolerance=95)
    with pytest.raises(ValidationError, match="at or below the target"):
        target.full_clean()


def test_a_volumetric_indicator_cannot_have_a_target():
    indicator = IndicatorFactory(polarity=Polarity.NONE)
    with pytest.raises(ValidationError, match="cannot have a target"):
        Target(indicator=indicator, fiscal_year=2016, target=10).full_clean()


def test_a_target_without_tolerance_is_valid():
    indicator = IndicatorFactory(polarity=Polarity.LOWER_IS_BETTER)
    Target(indicator=indicator, fiscal_year=2016, target=10).full_clean()
