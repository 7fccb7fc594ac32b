"""Report years printed in Chinese numerals or full-width digits."""

from __future__ import annotations

import pytest

from parsers import parse


def _page(title: str, period: str) -> bytes:
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><div id='zoom'>"
        f"<p>一、总体情况</p><p>{period}</p><p>六、其他需要报告的事项</p><p>无。</p>"
        "<p>2023年1月20日</p></div></body></html>"
    ).encode()


@pytest.mark.parametrize(
    ("title", "agency"),
    [
        ("湛河区住建局二〇二二年度政府信息公开工作年度报告", "湛河区住建局"),
        ("湛河区住建局二○二二年政府信息公开工作年度报告", "湛河区住建局"),
        ("二零二二年湛河区政府信息公开工作年度报告", "湛河区人民政府"),
    ],
)
def test_year_in_chinese_numerals_in_the_title(title, agency):
    report = parse(_page(title, "本报告所列数据统计期限自2022年1月1日起至2022年12月31日止。"), filename="r.html")
    assert (report.year, report.agency) == (2022, agency)
    assert [v.rule for v in report.violations] == []  # title year and period agree


@pytest.mark.parametrize(
    "period",
    [
        "本报告中所列数据的统计期限自２０２２年１月１日起至２０２２年１２月３１日止。",
        "本报告中所列数据的统计期限自二〇二二年一月一日起至二〇二二年十二月三十一日止。",
    ],
)
def test_statistics_period_in_full_width_digits_or_chinese_numerals(period):
    report = parse(_page("湛河区住建局政府信息公开工作年度报告", period), filename="r.html")
    assert report.year == 2022


def test_full_width_period_that_disagrees_with_the_title_breaks_rule_5():
    period = "本报告中所列数据的统计期限自２０２１年１月１日起至２０２１年１２月３１日止。"
    report = parse(_page("湛河区住建局二〇二二年政府信息公开工作年度报告", period), filename="r.html")
    assert report.year == 2022
    assert [(v.rule, v.location, v.expected, v.actual) for v in report.violations] == [
        (5, "reports.year", "2021", "2022")
    ]
