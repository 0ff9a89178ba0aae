"""The front-end independent heart of Beatthread: pure logic, no I/O imports."""
