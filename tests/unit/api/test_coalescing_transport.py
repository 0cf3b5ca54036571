"""The server's transport joins the writes of one loop turn into one send."""

from __future__ import annotations

import asyncio
import socket

import pytest

from unicard.api.server import CoalescingTransport


async def _pair() -> tuple[CoalescingTransport, socket.socket]:
    ours, peer = socket.socketpair()
    peer.setblocking(False)
    loop = asyncio.get_running_loop()
    transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, ours)
    return CoalescingTransport(transport, loop), peer  # type: ignore[arg-type]


async def test_writes_of_one_turn_leave_together_at_its_end() -> None:
    transport, peer = await _pair()
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b"")
    transport.write(b'{"ok": true}')
    with pytest.raises(BlockingIOError):
        peer.recv(100)  # nothing sent yet: the turn is not over
    await asyncio.sleep(0)
    assert peer.recv(100) == b'HTTP/1.1 200 OK\r\n\r\n{"ok": true}'
    transport.close()
    peer.close()


async def test_close_sends_what_was_written_before_it() -> None:
    transport, peer = await _pair()
    transport.write(b"last words")
    assert transport.get_write_buffer_size() == len(b"last words")
    transport.close()
    await asyncio.sleep(0.01)
    assert peer.recv(100) == b"last words"
    assert transport.is_closing()
    peer.close()
