"""JavaScript's and its libraries' semantics that json-server's behaviour depends on, as pure functions."""  # noqa: E501
