from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from fangxian.accounts.roles import roles_of


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())


@extend_schema(responses=MeSerializer, summary="The signed-in account and its roles")
@api_view(["GET"])
def me(request):
    user = request.user
    return Response(MeSerializer({"username": user.username, "full_name": user.full_name, "roles": sorted(roles_of(user))}).data)
