"""The root GraphQL schema. Each app contributes its Query and Mutation classes."""

import graphene


class Query(graphene.ObjectType):
    ping = graphene.String(description="Answers 'pong'; replaced as the API grows.")

    @staticmethod
    def resolve_ping(root: object, info: graphene.ResolveInfo) -> str:
        return "pong"


schema = graphene.Schema(query=Query)
