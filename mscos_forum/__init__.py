"""The composition root: the one package that knows both the forum service and the bot.

``mscos-forum`` (`mscos_forum.cli`) starts each job; `mscos_forum.run` runs them all in one
process; `mscos_forum.demo` plays the product end to end on a local fake Telegram.
`forum_service` and `bot` never import each other; only this package wires them together.
"""
