"""The daemon's infrastructure: socket server, client, watcher, scheduler, service files.

Nothing here imports the core (config, vault, index, app): collaborators such as the JSON-RPC
method table or the callback for changed paths are passed in, so `memd run` composes them.
"""
