"""b2bcore: the order-processing core of a B2B sales channel.

Build the application once and call its use cases::

    import b2bcore

    world = b2bcore.in_memory_world()          # simulators of SAP, 1C, DaData, mail...
    app = b2bcore.bootstrap(world=world)       # or pass your own adapters
    app.registration.register_client(inn="7700111118", kpp="770001001", contact=...)
"""

from b2bcore.application import B2B, NewContact
from b2bcore.bootstrap import InMemoryWorld, bootstrap, in_memory_world
from b2bcore.config import Config
from b2bcore.documents import amount_in_words
from b2bcore.domain import Actor, CartItem, DomainError, Product

__all__ = [
    "B2B",
    "Actor",
    "CartItem",
    "Config",
    "DomainError",
    "InMemoryWorld",
    "NewContact",
    "Product",
    "amount_in_words",
    "bootstrap",
    "in_memory_world",
]
