import PorticoCLI

await Portico.runMain()
