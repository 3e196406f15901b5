"""Audio -> transcripts with word timestamps, offline (the `audio` extra's engines):

- options.py: what a transcription is asked for (engine, model, language, prompt), and its errors
- decode.py: a file's sound as 16 kHz mono samples (PyAV, no ffmpeg binary)
- models.py: where each engine's model is on this machine; nothing is downloaded
- engines.py: faster-whisper and whisper-timestamped, both giving whisper-timestamped's shape
- transcribe.py: one file or many, tidied and cached by the audio's hash; `transcriber` for the build
- vocabulary.py: the taxonomy's jargon as an initial prompt
- ct2_to_whisper.py: the bundled CTranslate2 model as an openai-whisper checkpoint
"""
