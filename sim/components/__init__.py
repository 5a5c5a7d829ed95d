"""The parts of the modelled world, one module each; `sim.world` wires them together."""
