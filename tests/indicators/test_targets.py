from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from indicators.models import Target
from indicators.rules import Polarity
from tests.factories import AuthorityFactory, IndicatorFactory, TargetFactory

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


@pytest.mark.parametrize("own_first", [True, False])
def test_an_authoritys_own_target_wins_over_the_default_in_any_order(own_first):
    """Target.objects.chosen reads the targets in no order: whichever comes first, an
    authority's own target is chosen over the default, and the default where it has none."""
    place, other = AuthorityFactory(), AuthorityFactory()
    a1, a2 = IndicatorFactory(code="A1"), IndicatorFactory(code="A2")
    made = [
        lambda: TargetFactory(indicator=a1, authority=place, target=70, tolerance=60),
        lambda: TargetFactory(indicator=a1, authority=None, target=90, tolerance=80),
    ]
    for make in made if own_first else made[::-1]:
        make()
    TargetFactory(indicator=a2, authority=None, target=50, tolerance=40)
    TargetFactory(indicator=a2, authority=other, target=10, tolerance=5)
    chosen = Target.objects.for_authority(place).chosen()
    assert {key: t.target for key, t in chosen.items()} == {(a1.pk, 2016): 70, (a2.pk, 2016): 50}
