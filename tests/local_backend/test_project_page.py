"""The project page over plain HTTP: the claim redirect, 404s, escaping, headers, the picture."""

from __future__ import annotations

import io
import re

import httpx
from PIL import Image

from bot.core.texts import placeholders
from bot.local_backend import BackendConfig, LocalBackend, page_texts
from bot.pictures.timeline import WIDTH
from tests.local_backend.support import Api, wait_for, wav_bytes

SUBMIT = "/api/render/proxy/lambda"
HOSTILE = "</title><script>alert('x')</script> & <img src=x onerror=alert(1)>"


async def project_of(api: Api, language: str = "en") -> tuple[dict[str, str], str, str]:
    """A session with one song: (headers, session id, task id)."""
    headers = await api.login()
    created = await api.client.post(
        "/api/tasks/me/with-session/nemo_agent",
        json={"task_name": "project", "language": language},
        headers=headers,
    )
    data = created.json()["data"]
    assert (await api.upload(headers, data["session_id"])).json()["code"] == 0
    return headers, data["session_id"], data["task_id"]


async def claim_link(api: Api, headers: dict[str, str], sid: str, task_id: str) -> str:
    body = {"task_id": task_id, "session_id": sid}
    claimed = await api.client.post("/api/auth/claim-token", json=body, headers=headers)
    return f"/workspace/claim?ct={claimed.json()['data']['claim_token']}"


async def finished_render(api: Api, headers: dict[str, str], sid: str, render_id: str) -> None:
    draft = (await api.state(headers, sid))["data"]["state"]["draft"]
    body = {"id": render_id, "sessionId": sid, "draft": draft}
    assert (await api.client.post(SUBMIT, json=body, headers=headers)).status_code == 200

    async def completed() -> bool:
        polled = await api.client.get(f"{SUBMIT}/{render_id}", headers=headers)
        return bool(polled.json()["status"] == "completed")

    await wait_for(completed, within=30.0)


async def test_the_claim_link_redirects_to_the_project_page(api: Api) -> None:
    """The link the bot gives out opens the page of its project, by its task id."""
    headers, sid, task_id = await project_of(api)
    link = await claim_link(api, headers, sid, task_id)
    answer = await api.client.get(link)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{api.backend.url}/projects/{task_id}"
    assert answer.headers["cache-control"] == "no-store"
    landed = await api.client.get(link, follow_redirects=True)
    assert landed.status_code == 200
    assert str(landed.url) == f"{api.backend.url}/projects/{task_id}"


async def test_unknown_links_get_a_friendly_404_page(api: Api) -> None:
    """A wrong claim token or project id is an HTML page that says so, not a JSON error."""
    for path in (
        "/workspace/claim?ct=clm_nope",
        "/workspace/claim",
        "/projects/task_0000000000000000",
        "/projects/task_0000000000000000/timeline.png",
    ):
        answer = await api.client.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "text/html; charset=utf-8", path
        assert "<h1>Project not found</h1>" in answer.text, path
        assert "unknown or has expired" in answer.text, path


async def test_a_dropped_project_is_not_found(api: Api) -> None:
    """A session the backend dropped (1002 on the API) has no page either."""
    headers, sid, task_id = await project_of(api)
    link = await claim_link(api, headers, sid, task_id)
    api.backend.drop_session(sid)
    assert (await api.client.get(f"/projects/{task_id}")).status_code == 404
    assert (await api.client.get(link)).status_code == 404


async def test_a_hostile_title_is_escaped_and_no_script_may_run(api: Api) -> None:
    """A title is the user's words: shown as text, never markup; the policy forbids scripts."""
    headers, sid, task_id = await project_of(api)
    await api.turn(headers, sid, f'add the title "{HOSTILE}"')
    assert api.backend.draft(sid)["m"]["title"] == HOSTILE
    answer = await api.client.get(f"/projects/{task_id}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    escaped = (
        "&lt;/title&gt;&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; "
        "&lt;img src=x onerror=alert(1)&gt;"
    )
    assert f"<title>{escaped}</title>" in answer.text
    assert f"<h1>{escaped}</h1>" in answer.text
    assert "<script" not in answer.text
    assert "<img src=x" not in answer.text
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy  # so scripts fall back to 'none'
    assert answer.headers["x-content-type-options"] == "nosniff"


async def test_the_page_is_for_phones_and_fetches_nothing_from_outside(api: Api) -> None:
    """Viewport meta, inline CSS only, and every address on the page is this server's."""
    headers, sid, task_id = await project_of(api)
    await finished_render(api, headers, sid, "render_phone")
    text = (await api.client.get(f"/projects/{task_id}")).text
    assert '<meta name="viewport" content="width=device-width,initial-scale=1">' in text
    assert "<style>" in text
    assert "<link" not in text
    addresses = re.findall(r'(?:src|href)="([^"]+)"', text)
    assert addresses
    assert all(address.startswith(api.backend.url + "/") for address in addresses), addresses


async def test_finished_renders_are_listed_newest_first_with_length_and_size(api: Api) -> None:
    """Each finished video has a player and a download link; the newest is on top."""
    headers, sid, task_id = await project_of(api)
    text = (await api.client.get(f"/projects/{task_id}")).text
    assert "No finished video yet." in text
    for render_id in ("render_first", "render_second"):
        await finished_render(api, headers, sid, render_id)
    text = (await api.client.get(f"/projects/{task_id}")).text
    assert "No finished video yet." not in text
    videos = re.findall(r'<video controls preload="metadata" playsinline src="([^"]+)">', text)
    jobs = [api.backend.renders[r] for r in ("render_second", "render_first")]
    assert videos == [api.backend.url + job.url_path for job in jobs]
    for job in jobs:
        assert f'href="{api.backend.url + job.url_path}" download="{job.render_id}.mp4"' in text
        assert job.size < 1_000_000
        assert f"{job.duration:g}s · {round(job.size / 1000)} KB" in text
        video = await api.client.get(api.backend.url + job.url_path)
        assert video.headers["content-type"] == "video/mp4"
        assert len(video.content) == job.size


async def test_the_timeline_picture_is_a_png_of_the_draft(api: Api) -> None:
    """The picture the page shows is the bot's timeline drawing, served as image/png."""
    _, _, task_id = await project_of(api)
    text = (await api.client.get(f"/projects/{task_id}")).text
    src = f"{api.backend.url}/projects/{task_id}/timeline.png"
    assert f'<img id="timeline" src="{src}"' in text
    answer = await api.client.get(src)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["cache-control"] == "no-cache"
    with Image.open(io.BytesIO(answer.content)) as picture:
        assert picture.format == "PNG"
        assert picture.width == WIDTH
        assert picture.height > 100


async def test_the_studio_page_says_honestly_what_it_knows_of_the_track(tmp_path) -> None:
    """No track yet, or one the studio cannot analyse: the page says so, no tempo is made up."""
    config = BackendConfig(event_delay=0.0)
    async with (
        LocalBackend(config, media_dir=tmp_path / "media") as server,
        httpx.AsyncClient(base_url=server.url, timeout=30) as client,
    ):
        api = Api(client, server)
        headers = await api.login()
        sid = await api.session(headers)
        task_id = (await api.state(headers, sid))["data"]["task_id"]
        text = (await client.get(f"/projects/{task_id}")).text
        assert '<p class="note">No track uploaded yet.</p>' in text
        uploaded = await api.upload(headers, sid, "short.wav", wav_bytes(seconds=1.0))
        assert uploaded.json()["code"] == 0
        text = (await client.get(f"/projects/{task_id}")).text
        assert "That track is too short: I need at least 2 seconds." in text
        assert 'id="tempo"' not in text


async def test_a_chinese_project_gets_a_chinese_page(api: Api) -> None:
    """The page speaks the project's language."""
    _, _, task_id = await project_of(api, language="zh-CN")
    text = (await api.client.get(f"/projects/{task_id}")).text
    assert '<html lang="zh">' in text
    assert "<h1>你的音乐视频</h1>" in text
    assert "<h2>时间线</h2>" in text
    assert "还没有完成的视频" in text


async def test_the_register_link_says_no_registration_is_needed(api: Api) -> None:
    """The local studio's registration link is a page, in the browser's language."""
    answer = await api.client.get("/register", params={"bind": "local_x"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>No registration needed</h1>" in answer.text
    assert "needs no account" in answer.text
    chinese = await api.client.get("/register", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "<h1>无需注册</h1>" in chinese.text


def test_both_page_catalogues_have_the_same_keys_and_placeholders() -> None:
    """A page never misses a text in one language."""
    english, chinese = page_texts.CATALOGUES["en"], page_texts.CATALOGUES["zh"]
    assert english.keys() == chinese.keys()
    for key, template in english.items():
        assert placeholders(template) == placeholders(chinese[key]), key
