def test_store_opens(any_store):
    import jupyter_mlops as m
    with m.start_run("x") as r:
        m.log_metric("a", float("nan"))
    assert m.get_run(r.id).info.status == "FINISHED"
