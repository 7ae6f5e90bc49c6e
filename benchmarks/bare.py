"""The practical limit: a Flask endpoint that returns a constant, served exactly like the app."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def constant():
    return "ok"


@app.get("/api/v1/questionnaires")
def ready():
    return "[]", 200, {"Content-Type": "application/json"}
