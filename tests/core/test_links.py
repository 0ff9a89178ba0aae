"""Public links: only a link people outside the bot's host can open is shown in a chat."""

import pytest

from bot.core.links import is_public_url


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.nemovideo.ai/renders/r1.mp4",
        "http://videos.example.org:8443/media/renders/r1.mp4?sig=abc",
        "HTTPS://Videos.Example.Org/r1.mp4",
        "https://example.org./r1.mp4",  # a fully qualified name with its root dot
        "http://8.8.8.8/r1.mp4",
        "http://[2606:4700:4700::1111]/r1.mp4",
        "https://user:secret@example.org/r1.mp4",
        "https://localhost.example.com/r1.mp4",  # "localhost" only as a suffix counts
        "https://mylocal.app/r1.mp4",
    ],
)
def test_public_links(url: str) -> None:
    """A link on a public name or a globally routable address is shown."""
    assert is_public_url(url) is True


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://127.0.0.1:8123/media/renders/r1.mp4", id="loopback"),
        pytest.param("http://127.8.9.10/r1.mp4", id="loopback-range"),
        pytest.param("http://[::1]:8123/r1.mp4", id="loopback-v6"),
        pytest.param("http://10.0.0.5/r1.mp4", id="rfc1918-10"),
        pytest.param("http://172.16.3.4/r1.mp4", id="rfc1918-172"),
        pytest.param("http://192.168.1.20:8000/r1.mp4", id="rfc1918-192"),
        pytest.param("http://[fd12:3456::1]/r1.mp4", id="unique-local-v6"),
        pytest.param("http://169.254.10.1/r1.mp4", id="link-local"),
        pytest.param("http://[fe80::1]/r1.mp4", id="link-local-v6"),
        pytest.param("http://[::ffff:192.168.1.20]/r1.mp4", id="v4-mapped-private"),
        pytest.param("http://100.64.1.1/r1.mp4", id="shared-cgnat"),
        pytest.param("http://0.0.0.0:8123/r1.mp4", id="unspecified"),
        pytest.param("http://224.0.0.1/r1.mp4", id="multicast"),
        pytest.param("http://localhost:8123/r1.mp4", id="localhost"),
        pytest.param("http://LocalHost./r1.mp4", id="localhost-case-and-dot"),
        pytest.param("http://renders.localhost/r1.mp4", id="localhost-subdomain"),
        pytest.param("http://studio.local/r1.mp4", id="mdns"),
        pytest.param("http://backend.corp.internal/r1.mp4", id="internal"),
        pytest.param("http://nas.home.arpa/r1.mp4", id="home-arpa"),
        pytest.param("http://local-backend:8000/media/renders/r1.mp4", id="single-label"),
        pytest.param("http://127.1/r1.mp4", id="numeric-shorthand"),
        pytest.param("ftp://example.org/r1.mp4", id="not-web"),
        pytest.param("file:///tmp/r1.mp4", id="file"),
        pytest.param("/media/renders/r1.mp4", id="relative"),
        pytest.param("http://[::1/r1.mp4", id="malformed"),
        pytest.param("", id="empty"),
    ],
)
def test_links_people_cannot_open(url: str) -> None:
    """Loopback, private, link-local and local-network names never reach a chat."""
    assert is_public_url(url) is False
