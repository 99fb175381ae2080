"""The reviewers' web pages: server-rendered Jinja2, a little plain JavaScript, no build."""
