"""The stack's generated configuration: what DIRAC needs to find every component and authorize calls."""

from diraccfg import CFG

from b2stack import csgen, layout


def test_every_service_has_a_url_and_an_authorization_rule():
    cs = csgen.master_cs()
    for component in list(layout.DIPS_SERVICES) + layout.HTTPS_SERVICES:
        system, name = component.split("/")
        url = cs.getOption(f"Systems/{system}/URLs/{name}")
        assert url, component
        section = name if url.startswith("dips://") else f"Tornado{name}"
        if component != "WorkloadManagement/OptimizationMind":  # reached through message streams only
            assert cs.isSection(f"Systems/{system}/Services/{section}/Authorization"), component


def test_https_services_run_in_tornado_and_dips_services_have_ports():
    cs = csgen.master_cs()
    for component in layout.HTTPS_SERVICES:
        system, name = component.split("/")
        assert cs.getOption(f"Systems/{system}/Services/Tornado{name}/Protocol") == "https"
        assert cs.getOption(f"Systems/{system}/URLs/{name}").startswith(f"https://{layout.HOST}:{layout.TORNADO_PORT}/")
    for component, port in layout.DIPS_SERVICES.items():
        system, name = component.split("/")
        assert cs.getOption(f"Systems/{system}/Services/{name}/Port") == str(port)


def test_extension_templates_are_merged_over_dirac():
    """BelleDIRAC's ConfigTemplate options land in the component sections next to DIRAC's."""
    wms = csgen.merged_template("WorkloadManagement")
    assert wms.getOption("Agents/JobAgent/MaxMatchWait") is not None  # BelleDIRAC
    assert wms.getOption("Agents/JobAgent/PollingTime") is not None  # DIRAC


def test_groups_carry_the_properties_their_role_needs():
    cs = csgen.master_cs()
    props = {g: set(cs.getOption(f"Registry/Groups/{g}/Properties", [])) for g in layout.GROUPS}
    assert "ProductionManagement" in props["belle_prod"] and "JobAdministrator" not in props["belle_prod"]
    assert props["belle_user"] == {"NormalUser"}
    assert "JobAdministrator" in props["belle_admin"]
    for user in layout.USERS:
        for group in user.groups:
            assert user.name in cs.getOption(f"Registry/Groups/{group}/Users", [])


def test_master_cs_round_trips_through_diraccfg():
    text = csgen.master_cs().serialize()
    assert CFG().loadFromBuffer(text).serialize() == text


def test_databases_use_the_stack_prefix():
    cs = csgen.master_cs()
    for system, db in layout.DATABASES:
        assert cs.getOption(f"Systems/{system}/Databases/{db}/DBName") == layout.DB_PREFIX + db


def test_extensions_expose_a_version_string():
    """DIRAC's getCurrentVersion() reports ``<ext>.version`` of the top extension in every job's parameters."""
    from DIRAC.Core.Utilities.Version import getCurrentVersion

    import BelleDIRAC
    import BelleRawDIRAC

    assert isinstance(BelleDIRAC.version, str) and isinstance(BelleRawDIRAC.version, str)
    assert getCurrentVersion()["Value"] == BelleRawDIRAC.version


def test_pilots_never_write_the_clients_configuration(tmp_path, monkeypatch):
    """A JobAgent rewrites $DIRAC_ROOT_PATH/etc/dirac.cfg after each job: pilots must have their own root."""
    from b2stack import layout, pilots

    monkeypatch.setattr(layout, "ROOT", tmp_path)
    env = pilots.pilot_env("LCG.KEK.jp")
    assert env["DIRAC_ROOT_PATH"] != str(layout.ROOT)
    assert (tmp_path / "pilots" / "LCG.KEK.jp" / "etc" / "dirac.cfg").exists()
    assert env["DIRACSYSCONFIG"].split(",")[0] == str(tmp_path / "etc" / "dirac.cfg")
