from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "fangxian.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Personal access token (fx_…, short-lived) or device token"}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "fangxian.api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


class RefreshTokenScheme(OpenApiAuthenticationExtension):
    target_class = "fangxian.api.authentication.RefreshTokenAuthentication"
    name = "refreshToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Refresh token (fxr_…), only for /api/v1/auth/refresh/"}
