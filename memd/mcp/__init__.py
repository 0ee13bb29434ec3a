"""memd's MCP server: memory tools, resources and a recall prompt for MCP clients (Claude Desktop,
Claude Code, Cursor...), and the command that installs it into their configs.

Needs the `mcp` extra (`pip install 'memd-vault[mcp]'`). The SDK is imported only by `memd.mcp.server`,
so `memd.mcp.install` works without it.
"""
