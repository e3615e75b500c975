"""The audit log's request context (acting user, address) with the address from diepholz_coord.client_ip: the
client's first X-Forwarded-For entry is never taken on trust."""

from auditlog.middleware import AuditlogMiddleware

from .client_ip import client_ip


class AuditMiddleware(AuditlogMiddleware):
    @staticmethod
    def _get_remote_addr(request):
        return client_ip(request)

    @staticmethod
    def _get_remote_port(request):
        return None  # the proxy's port would say nothing about the client
