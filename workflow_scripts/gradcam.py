from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.figures import gradcam_grid  # noqa: E402

gradcam_grid({v: snakemake.input[v] for v in snakemake.params.models}, snakemake.input.store,
             snakemake.input.split, snakemake.params.fold, snakemake.output.png, snakemake.params.faces,
             threads=snakemake.threads)
