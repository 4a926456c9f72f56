"""Messages leakdesk sends on its own to chat users: reporters' removal notices, moderator
alerts and digests. Platform-neutral: adapters deliver them."""
