"""`ask` with a model: mem-agent's <think>/<python>/<reply> loop over the memory folder.

loop.py (the conversation), prompt.py (system prompt), tools.py (the ten mem-agent tools),
memfs.py (path-safe reads), writes.py (edits as writer operations), filters.py (<filter> in
code), sandbox.py / interpreter.py / child.py / confine.py (running model-written Python),
service.py (one agent per app, from [ask]).
"""
