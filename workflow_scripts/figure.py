from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.figures import make_figure  # noqa: E402

make_figure(snakemake.wildcards.figure, dict(snakemake.input.items()), snakemake.output.png,
            snakemake.params.options)
