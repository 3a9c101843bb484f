# Figures from results already on disk: these rules never train, extract or regress (the
# `figures` target proves it in tests/test_workflow.py).


# light: matplotlib on files already on disk
localrules:
    figure,


rule figure:
    input:
        unpack(STUDY.figure_inputs),
    output:
        png=report(
            "results/figures/{figure}.png",
            caption="../report/figure.rst",
            category="Figures",
            labels={"figure": "{figure}"},
        ),
        pdf="results/figures/{figure}.pdf",
    log:
        "logs/figure/{figure}.log",
    conda:
        "../envs/main.yaml"
    params:
        options={"fgnet_subject": config["figures"]["fgnet_subject"]},
        caption=STUDY.figure_caption,
    script:
        "../workflow_scripts/figure.py"


rule gradcam:
    input:
        unpack(STUDY.gradcam_inputs),
        store="resources/faces/fgnet.h5",
        split="results/splits/fgnet.csv",
    output:
        png=report(
            "results/figures/fig14_gradcam.png",
            caption="../report/figure.rst",
            category="Figures",
            labels={"figure": "fig14_gradcam"},
        ),
        pdf="results/figures/fig14_gradcam.pdf",
    log:
        "logs/gradcam.log",
    conda:
        "../envs/main.yaml"
    threads: STUDY.threads("gradcam")
    resources:
        **STUDY.resources("gradcam"),
    params:
        fold=STUDY.gradcam_fold(),
        faces=config["figures"]["gradcam"]["faces"],
        models=STUDY.gradcam_models(),
        caption=STUDY.gradcam_caption(),
    script:
        "../workflow_scripts/gradcam.py"
