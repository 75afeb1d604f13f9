"""Shortcuts the build takes (issue #14, item 7) find what a full look finds: a call that calls one method
which runs no query is skipped, a call whose callee names no registrar too, and a class's bases are read once for
all its methods' roles."""

from __future__ import annotations

import ast

from review_ls.project.call_facts import module_call_facts
from review_ls.project.query_facts import module_query_facts

QUERIES = '''
def chained(db):
    return db.query(User).filter(User.id == 1).first()

def django_write():
    log(User.objects.create(name="x"))

def lazy():
    return User.objects.filter(active=True)

def session_write(session):
    session.execute("DELETE FROM users")

def mongo(users):
    helper.prepare(users)
    return users.find_one({"a": 1})

def plain(self):
    self.repo.save(1)
    notify(self.client.send(2))

class Repo:
    def first_is_inner(self, session):
        return session.query(User).all()
'''
EXPECTED_QUERIES = [
    ("app.chained", "query", "db.query", 3),
    ("app.django_write", "write", "User.objects.create", 6),
    ("app.session_write", "write", "session.execute", 12),
    ("app.mongo", "query", "users.find_one", 16),
    ("app.Repo.first_is_inner", "query", "session.query", 24),
]


def test_query_sites_are_found_through_chains_and_single_method_calls() -> None:
    tree = ast.parse(QUERIES)
    alone = [(s.function, s.kind, s.call, s.line) for s in module_query_facts(tree, "app")]
    with_calls = [(s.function, s.kind, s.call, s.line) for s in module_call_facts(tree, "app").queries]  # (reads each function's calls)
    assert alone == with_calls == EXPECTED_QUERIES


def test_registrations_are_found_by_registrar_name_and_by_a_tools_keyword() -> None:
    source = '''
def fn(state): ...
def handler(sid, data): ...
def a(x): ...
def c(x): ...

def build(graph, sio):
    graph.add_node("step", fn)
    sio.on("message", handler)
    ToolNode([a])
    make_agent(model, tools=[c])
    graph.compile()
'''
    found = [(r.target, r.role, r.label) for r in module_call_facts(ast.parse(source), "app").registered]
    assert found == [("app.fn", "node", "step"), ("app.handler", "websocket", "message"), ("app.a", "tool", "a"), ("app.c", "tool", "c")]


def test_method_roles_from_class_bases_hold_for_every_method_and_class() -> None:
    source = '''
class Greeter(pb.GreeterServicer):
    def SayHello(self, request, context): ...
    def _helper(self): ...

class Chat(socketio.AsyncNamespace):
    def on_message(self, sid, data): ...
    def get(self): ...

class Items(MethodView):
    def get(self): ...
    def on_message(self): ...

class Room(AsyncWebsocketConsumer):
    def receive(self, text_data): ...

class Plain(Base):
    def get(self): ...
    def receive(self): ...
'''
    roles = {f.qualname: f.role for f in module_call_facts(ast.parse(source), "app").functions}
    assert roles == {
        "app.Greeter.SayHello": "rpc", "app.Greeter._helper": "",
        "app.Chat.on_message": "websocket", "app.Chat.get": "",
        "app.Items.get": "route", "app.Items.on_message": "",
        "app.Room.receive": "websocket",
        "app.Plain.get": "", "app.Plain.receive": "",
    }
