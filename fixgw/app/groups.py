"""Order groups (35=UOG/UOH): a contracts limit over a rolling 15 s window, per subaccount."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..messages import OrderGroupRequest, OrderGroupResponse, enums

if TYPE_CHECKING:
    from .client import KalshiClient

__all__ = ["OrderGroups"]

Action = enums.OrderGroupAction


class OrderGroups:
    """Create / reset / delete / trigger / update.  Errors arrive as BusinessRejected
    (e.g. ORDER_GROUP_NOT_FOUND when the AllocAccount does not own the group)."""

    def __init__(self, client: KalshiClient) -> None:
        self.client = client

    async def _do(
        self, action: enums.OrderGroupAction, *, group_id: str | None = None, limit: int | None = None,
        alloc_account: int | None = None,
    ) -> OrderGroupResponse:
        if limit is not None and not 1 <= limit <= 1_000_000:
            raise ValueError(f"OrderGroupContractsLimit (20132) is {limit}; it must be 1-1,000,000")
        req = OrderGroupRequest(
            order_group_action=action, order_group_id=group_id, order_group_contracts_limit=limit,
            alloc_account=alloc_account,
        )
        # UOH carries no request id: answers come back in request order.
        return await self.client.request(req, fifo="UOH")

    async def create(self, limit: int, *, alloc_account: int | None = None) -> str:
        """Returns the server-generated OrderGroupID."""
        resp = await self._do(Action.CREATE, limit=limit, alloc_account=alloc_account)
        return resp.order_group_id

    async def reset(self, group_id: str, *, alloc_account: int | None = None) -> OrderGroupResponse:
        return await self._do(Action.RESET, group_id=group_id, alloc_account=alloc_account)

    async def delete(self, group_id: str, *, alloc_account: int | None = None) -> OrderGroupResponse:
        return await self._do(Action.DELETE, group_id=group_id, alloc_account=alloc_account)

    async def trigger(self, group_id: str, *, alloc_account: int | None = None) -> OrderGroupResponse:
        return await self._do(Action.TRIGGER, group_id=group_id, alloc_account=alloc_account)

    async def update(self, group_id: str, limit: int, *, alloc_account: int | None = None) -> OrderGroupResponse:
        return await self._do(Action.UPDATE, group_id=group_id, limit=limit, alloc_account=alloc_account)
