# Figures from results already on disk: these rules never train, extract or regress (the
# `figures` target proves it in tests/test_workflow.py).


# light: matplotlib on files already on disk
localrules:
    figure,


rule figure:
    input:
        unpack(STUDY.reports.figure_inputs),
    output:
        png=report(
            paths.FIGURE,
            caption="../report/figure.rst",
            category="Figures",
            labels={"figure": "{figure}"},
        ),
        pdf=paths.FIGURE_PDF,
    log:
        "logs/figure/{figure}.log",
    conda:
        "../envs/main.yaml"
    params:
        options={"fgnet_subject": config["figures"]["fgnet_subject"]},
        caption=STUDY.reports.figure_caption,
    script:
        "../workflow_scripts/figure.py"


rule gradcam:
    input:
        unpack(STUDY.reports.gradcam_inputs),
        store=paths.FACE_STORE.format(dataset="fgnet"),
        split=paths.SPLIT_TABLE.format(split="fgnet"),
    output:
        png=report(
            paths.GRADCAM,
            caption="../report/figure.rst",
            category="Figures",
            labels={"figure": "fig14_gradcam"},
        ),
        pdf=paths.GRADCAM_PDF,
    log:
        "logs/gradcam.log",
    conda:
        "../envs/main.yaml"
    threads: STUDY.threads("gradcam")
    resources:
        **STUDY.resources("gradcam"),
    params:
        fold=STUDY.reports.gradcam_fold(),
        faces=config["figures"]["gradcam"]["faces"],
        models=STUDY.reports.gradcam_models(),
        caption=STUDY.reports.gradcam_caption(),
    script:
        "../workflow_scripts/gradcam.py"
