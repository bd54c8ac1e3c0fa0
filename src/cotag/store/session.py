"""The session type every query function takes, re-exported so code above store/ never imports SQLModel.

Layers above store/ (domain, services, front ends) name `Session` in signatures only; opening one is
`Project.session()`, and every statement lives in a store/ module.
"""

from sqlmodel import Session

__all__ = ["Session"]
