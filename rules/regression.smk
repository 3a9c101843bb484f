# light: tables of numbers, run on the submitting node
localrules:
    evaluate_regression,


rule extract_features:
    input:
        unpack(STUDY.regression.extractor_inputs),
    output:
        paths.FEATURES,
    log:
        "logs/extract_features/{extractor}/{layer}.log",
    benchmark:
        "results/benchmarks/extract_features/{extractor}/{layer}.tsv"
    conda:
        "../envs/main.yaml"
    threads: STUDY.threads("extract_features")
    resources:
        **STUDY.resources("extract_features"),
    params:
        image_size=config["image_size"],
        seed=config["seed"],
    script:
        "../workflow_scripts/extract_features.py"


# auto-sklearn lives in its own environment (numpy 1.x, scikit-learn 0.24): the job runs that
# environment's interpreter (regression.python, made by `make`) or, with --sdm conda,
# envs/autosklearn.yaml. Its temporary folder is inside the job's own output folder.
rule regress_fold:
    input:
        features=paths.FEATURES,
        split=STUDY.regression.split(),
    output:
        predictions=paths.REGRESSION_FOLD.replace(
            "{feature_set}", "{extractor}-{layer}"
        ),
        ensemble=paths.REGRESSION_ENSEMBLE.replace(
            "{feature_set}", "{extractor}-{layer}"
        ),
    log:
        "logs/regress_fold/{extractor}-{layer}/fold{fold}.log",
    benchmark:
        "results/benchmarks/regress_fold/{extractor}-{layer}/fold{fold}.tsv"
    conda:
        "../envs/autosklearn.yaml"
    threads: STUDY.threads("regress_fold")
    resources:
        **STUDY.resources("regress_fold"),
    params:
        python=regression_python(),
        script=workflow_script("regress_fold.py"),
        settings=STUDY.regression.settings(),
        tmp=paths.REGRESSION_TMP.replace("{feature_set}", "{extractor}-{layer}"),
    shell:
        "{params.python:q} {params.script:q} --features {input.features:q} --split {input.split:q}"
        " --fold {wildcards.fold} --predictions {output.predictions:q}"
        " --ensemble {output.ensemble:q} --settings {params.settings:q} --tmp {params.tmp:q}"
        " --jobs {threads} --log {log:q}"


rule evaluate_regression:
    input:
        split=STUDY.regression.split(),
        predictions=STUDY.regression.predictions,
    output:
        metrics=paths.REGRESSION_METRICS.replace("{feature_set}", "{extractor}-{layer}"),
    log:
        "logs/evaluate_regression/{extractor}-{layer}.log",
    conda:
        "../envs/main.yaml"
    params:
        folds=STUDY.regression.evaluated_folds,
        class_names=None,
    script:
        "../workflow_scripts/evaluate.py"
