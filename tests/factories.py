"""factory_boy factories for the domain models."""

from __future__ import annotations

import factory

from authorities.models import Authority
from indicators.models import Category, Indicator, Period, Target, Value
from indicators.rules import Polarity, parse_period


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"E0{n:07d}")
    name = factory.Sequence(lambda n: f"Authority {n}")
    slug = factory.Sequence(lambda n: f"authority-{n}")
    kind = Authority.Kind.LOCAL_AUTHORITY


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = "Social Care Pathway"


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"X{n}")
    name = factory.Sequence(lambda n: f"Indicator {n}")
    category = factory.SubFactory(CategoryFactory)
    polarity = Polarity.HIGHER_IS_BETTER
    unit = Indicator.Unit.PERCENT


def period(code: str) -> Period:
    return Period.ensure([parse_period(code)])[parse_period(code).code]


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    indicator = factory.SubFactory(IndicatorFactory)
    fiscal_year = 2016
    target = 90.0
    tolerance = 80.0


class ValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Value

    authority = factory.SubFactory(AuthorityFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    period = factory.LazyFunction(lambda: period("2016-17 Q2"))
    value = 50.0
