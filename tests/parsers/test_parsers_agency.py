"""Who reports: a region-wide report is its government's; ambiguous county names take the portal's region."""

from __future__ import annotations

import pytest

from parsers import parse


def _page(title: str, signature: str = "", source: str = "") -> bytes:
    meta = f"<meta name='ContentSource' content='{source}'>" if source else ""
    return (
        f"<html><head><meta charset='utf-8'>{meta}<title>{title}</title></head><body><div class='TRS_Editor'>"
        f"<p>一、总体情况</p><p>本报告中所列数据的统计期限自2022年1月1日起至2022年12月31日止。</p>"
        f"<p>六、其他需要报告的事项</p><p>无。</p><p>{signature}</p><p>2023年1月20日</p></div></body></html>"
    ).encode()


@pytest.mark.parametrize(
    ("title", "signature", "source", "agency", "kind"),
    [
        ("2022年湛河区政府信息公开工作年度报告", "", "", "湛河区人民政府", "government"),
        (
            "2022年北京市东城区政府信息公开工作年度报告",
            "北京市东城区人民政府",
            "",
            "北京市东城区人民政府",
            "government",
        ),
        # the signature names the government in its own words: kept as printed
        ("2022年北京市东城区政府信息公开工作年度报告", "东城区人民政府", "", "东城区人民政府", "government"),
        ("绥化市2022年政府信息公开工作年度报告", "", "绥化市人民政府", "绥化市人民政府", "government"),
        # an office signing a region-wide report compiled it; the report is still the government's
        ("2022年湛河区政府信息公开工作年度报告", "湛河区人民政府办公室", "", "湛河区人民政府", "government"),
        ("湛河区人民政府办公室2022年政府信息公开工作年度报告", "", "", "湛河区人民政府办公室", "government_office"),
        ("湛河区住建局2022年政府信息公开工作年度报告", "", "", "湛河区住建局", "department"),
        ("2022年内蒙古自治区政府信息公开工作年度报告", "", "", "内蒙古自治区人民政府", "government"),
    ],
)
def test_agency_of_region_wide_and_own_reports(title, signature, source, agency, kind):
    report = parse(_page(title, signature, source), filename="report.html")
    assert (report.agency, report.body_kind) == (agency, kind)


def test_region_hint_settles_a_county_name_shared_by_several_places():
    page = _page("江北区民政局2022年政府信息公开年度报告")
    unhinted = parse(page, filename="report.html", url="http://127.0.0.1:8000/art/2023/1/1/art_1.html")
    assert (unhinted.region.code, unhinted.level) == (None, None)  # Ningbo's or Chongqing's 江北区
    hinted = parse(page, filename="report.html", region_hint="330205")
    assert (hinted.region.province, hinted.region.city, hinted.region.county) == ("浙江省", "宁波市", "江北区")
    assert (hinted.region.code, hinted.level) == ("330205", "county")
    chongqing = parse(page, filename="report.html", region_hint="500105")
    assert chongqing.region.code == "500105"


def test_region_hint_never_overrides_a_region_the_report_names():
    page = _page("韶关市浈江区教育局2022年政府信息公开工作年度报告")
    report = parse(page, filename="report.html", region_hint="330205")
    assert report.region.code == "440204"
