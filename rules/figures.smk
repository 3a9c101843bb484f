# Figures from results already on disk: these rules never train, extract or regress (the
# `figures` target proves it in tests/test_workflow.py).


# light: matplotlib on files already on disk
localrules:
    figure,


rule figure:
    input:
        unpack(get_figure_inputs),
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
        caption=get_figure_caption,
    script:
        "../workflow_scripts/figure.py"


rule gradcam:
    input:
        unpack(lambda wildcards: gradcam_models()),
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
    threads: 2
    resources:
        gpu=1,
        cpus_per_task=2,
        mem_mb=8000,
        runtime=30,
    params:
        fold=config["figures"]["gradcam"]["fold"],
        faces=config["figures"]["gradcam"]["faces"],
        models=gradcam_models(),
        caption="Thesis Figure 14: Grad-CAM of held-out FG-NET faces (fold "
        f"{config['figures']['gradcam']['fold']}). Rows: the face-recognition backbones with a "
        "trained head (mode a) and the models fine-tuned on IMDB for age; columns: ResNet-50, "
        "SENet-50, VGG-16. Thesis: SENet-50's activations span the whole face, VGG-16's focus on "
        "a smaller region. At the demo's 32 px the last convolutional maps are 2x2 (VGG-16) and "
        "1x1 (ResNet-50, SENet-50), so its maps are coarse.",
    script:
        "../workflow_scripts/gradcam.py"
