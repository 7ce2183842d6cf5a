from .access_log import access_log, access_log_export
from .emergency import emergency, emergency_certificate, emergency_decide, emergency_request, emergency_withdraw, purge_now
from .exports import export_grant_decide, export_grant_download, export_grant_withdraw, export_grants, export_request
from .inventory import inventory, inventory_export
from .mydata import my_data, my_data_download

__all__ = [
    "access_log",
    "access_log_export",
    "emergency",
    "emergency_certificate",
    "emergency_decide",
    "emergency_request",
    "emergency_withdraw",
    "export_grant_decide",
    "export_grant_download",
    "export_grant_withdraw",
    "export_grants",
    "export_request",
    "inventory",
    "inventory_export",
    "my_data",
    "my_data_download",
    "purge_now",
]
