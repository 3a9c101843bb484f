"""Figures drawn from results on disk (registry: agecascade.figures.FIGURES)."""

import pandas as pd


def _metrics(path, maes):
    rows = [{"fold": str(k + 1), "mae": mae} for k, mae in enumerate(maes)]
    pd.DataFrame([*rows, {"fold": "summary", "mae": sum(maes) / len(maes)}]).to_csv(path, index=False)
    return str(path)


def test_figure_10_draws_rows_with_and_without_a_thesis_value(tmp_path):
    from agecascade.figures import caption, make_figure

    # resnet50-faces2 (today's Keras) has no thesis value; its -keras2 row carries the thesis' 12.28
    inputs = {"resnet50-faces2": _metrics(tmp_path / "a.csv", [5.0, 7.0, 6.0]),
              "resnet50-faces2-keras2": _metrics(tmp_path / "b.csv", [11.0, 13.0, 12.0])}
    make_figure("fig10_fgnet_faces2", inputs, tmp_path / "fig10.png")
    assert (tmp_path / "fig10.png").stat().st_size > 10_000 and (tmp_path / "fig10.pdf").is_file()
    assert "12.28" in caption("fig10_fgnet_faces2", inputs)
