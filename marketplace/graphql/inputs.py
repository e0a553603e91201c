"""Input types of the marketplace mutations, named as in schema.graphql."""

from __future__ import annotations

import graphene

from core.graphql.enums import Sex
from core.graphql.scalars import Date
from core.inputs import rule_of
from marketplace.models import User


class UpdateResidentInput(graphene.InputObjectType):
    resident_id = graphene.NonNull(graphene.ID)
    verified = graphene.Boolean()
    disabled = graphene.Boolean()
    consent_recorded = graphene.Boolean()


class CreateResidentInput(graphene.InputObjectType):
    full_name = graphene.NonNull(graphene.String)
    birth_date = graphene.Field(Date)
    phone = graphene.String()
    sex = graphene.Field(Sex)
    verified = graphene.Boolean()
    idempotency_key = graphene.String()

    text_rules = {"full_name": rule_of(User, "full_name"), "phone": rule_of(User, "phone")}


class DeleteMyDataInput(graphene.InputObjectType):
    confirm = graphene.NonNull(graphene.Boolean, description="must be true: the deletion cannot be undone")
