"""Channel adapters (Telegram, Zalo, console) behind one small seam."""
