"""The portal registry: data files (``*.toml``), a package only so that installs ship them."""
