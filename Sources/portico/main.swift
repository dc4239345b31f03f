import PorticoCLI

