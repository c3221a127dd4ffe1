from pathlib import Path

from matterlearn.report import HTMLReport, new_figure


def test_report_is_self_contained(tmp_path: Path) -> None:
    r = HTMLReport("t <&>")
    r.heading("Section")
    r.paragraph("x < y", kind="warn")
    r.table(["a", "b"], [["row", 1.23456789], ["r2", 3]])
    fig = new_figure()
    fig.subplots().plot([0, 1], [1, 0])
    r.figure(fig, "a line")
    r.write(tmp_path / "r.html")
    text = (tmp_path / "r.html").read_text()
    assert "t &lt;&amp;&gt;" in text and "x &lt; y" in text and "1.235" in text
    assert 'src="data:image/png;base64,' in text
    assert "http://" not in text and "https://" not in text  # nothing fetched when opened
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
