"""WeChat through a WeCom self-built app (企业微信自建应用): encrypted callbacks in, API calls out."""
