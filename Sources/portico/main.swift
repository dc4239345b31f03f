import PorticoCLI

Portico.runMain()
