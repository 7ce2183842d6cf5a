from .access_log import access_log, access_log_export
from .emergency import emergency, emergency_certificate, emergency_decide, emergency_request, emergency_withdraw, purge_now
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
    "inventory",
    "inventory_export",
    "my_data",
    "my_data_download",
    "purge_now",
]
