"""QQ through OneBot v11 (NapCat, LLOneBot, Lagrange), which connects to us by reverse WebSocket."""
