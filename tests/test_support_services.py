"""Self-test of tests/support/services.py: the private Redis and the throwaway PostgreSQL database
that the fixtures are built on."""

from __future__ import annotations

import socket

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.services import RedisServer, fresh_postgres_database, postgres_base_url


def test_redis_server_stops_and_starts_again_on_the_same_port() -> None:
    with RedisServer() as server:
        assert server.url == f"redis://127.0.0.1:{server.port}/0"
        client = redis.Redis.from_url(server.url, socket_connect_timeout=1)
        client.set("greeting", "hello")
        assert client.get("greeting") == b"hello"

        server.stop()
        with pytest.raises(redis.ConnectionError):
            client.ping()

        server.start()
        assert client.ping() is True
        # Nothing is persisted, so a restart comes back empty.
        assert client.get("greeting") is None
        client.close()


def test_redis_server_that_cannot_start_reports_its_log() -> None:
    with RedisServer() as server:
        server.stop()
        # Someone else takes the port while the server is down: the restart must fail fast.
        with socket.socket() as squatter:
            squatter.bind(("127.0.0.1", server.port))
            squatter.listen()
            with pytest.raises(RuntimeError, match="did not answer") as failure:
                server.start()
        assert "Address already in use" in str(failure.value)
        assert server.process is None


def test_missing_redis_server_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(RuntimeError, match="apt-get install redis-server"):
        RedisServer()


@pytest.mark.postgres
def test_fresh_postgres_database_is_created_and_dropped() -> None:
    with fresh_postgres_database() as url:
        name = make_url(url).database
        assert name is not None and name.startswith("feedbot_test_")
        engine = create_engine(url)
        with engine.connect() as connection:
            assert connection.execute(text("select 1")).scalar() == 1
        engine.dispose()

    admin = create_engine(postgres_base_url())
    with admin.connect() as connection:
        remaining = connection.execute(
            text("select count(*) from pg_database where datname = :name"), {"name": name}
        ).scalar()
    admin.dispose()
    assert remaining == 0


def test_unreachable_postgres_says_how_to_start_it() -> None:
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    with (
        pytest.raises(RuntimeError, match=r"bash \.ci/services"),
        fresh_postgres_database("postgresql+psycopg://postgres@127.0.0.1:1/test"),
    ):
        pass
