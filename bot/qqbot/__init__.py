"""QQ through the official QQ bot (QQ 开放平台 机器人): signed webhook callbacks in, passive replies out."""
