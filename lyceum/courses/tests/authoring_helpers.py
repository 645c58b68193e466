"""Builders shared by the authoring and review tests (studio, media, review workflow)."""

from __future__ import annotations

import io
import math
import struct
import wave

from django.contrib.auth.models import Permission

from conftest import make_user
from lyceum.accounts.models import Role, User
from lyceum.courses import services
from lyceum.courses.models import Course, Lesson, Module


def make_course(instructor: User, *, title: str = "Python for Data Work", ready: bool = False) -> Course:
    course = services.course_create(actor=instructor, title=title)
    if ready:
        services.course_update(
            actor=instructor,
            course=course,
            description="Learn **pandas** step by step.",
            objectives="Load data\nClean data",
        )
        module = services.module_create(actor=instructor, course=course, title="Basics")
        services.lesson_create(actor=instructor, module=module, data=services.LessonData(title="Welcome", body="Hello"))
        course.refresh_from_db()
    return course


def add_module(instructor: User, course: Course, *titles: str) -> list[Module]:
    return [services.module_create(actor=instructor, course=course, title=t) for t in titles]


def add_lessons(instructor: User, module: Module, *titles: str) -> list[Lesson]:
    return [services.lesson_create(actor=instructor, module=module, data=services.LessonData(title=t)) for t in titles]


def make_expert_reviewer(email: str = "expert@example.org") -> User:
    """A moderator an operator designated as expert reviewer (the review permission)."""
    user = make_user(email, Role.MODERATOR, display_name="Erin Expert")
    user.user_permissions.add(Permission.objects.get(codename="change_coursereview"))
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions


def publish(course: Course, instructor: User, reviewer: User) -> Course:
    review = services.course_submit(actor=instructor, course=course)
    services.review_approve(actor=reviewer, review=review, checklist=all_checked())
    course.refresh_from_db()
    return course


def all_checked() -> list[str]:
    from lyceum.courses.models import REVIEW_CHECKLIST

    return [key for key, _label in REVIEW_CHECKLIST]


# --- Tiny media files, made on the spot ---


def tiny_video(seconds: float = 1.0, fps: int = 10, size: tuple[int, int] = (64, 48)) -> bytes:
    """An H.264 MP4 of ``seconds`` made from PIL frames with PyAV."""
    import av
    from PIL import Image

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for index in range(int(seconds * fps)):
            shade = int(255 * index / max(1, seconds * fps))
            image = Image.new("RGB", size, (shade, 80, 255 - shade))
            frame = av.VideoFrame.from_image(image)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def tiny_wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        samples = (int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(int(seconds * rate)))
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return buffer.getvalue()


def tiny_png(size: tuple[int, int] = (8, 8)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "PNG")
    return buffer.getvalue()


def tiny_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def fake_exe() -> bytes:
    """The start of a Windows program: MZ header and the PE stub text."""
    return (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
        + b"\x00" * 48
        + b"This program cannot be run in DOS mode."
        + b"\x00" * 400
    )
