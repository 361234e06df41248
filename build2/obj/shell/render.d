build2/obj/shell/render.o: shell/render.c shell/render.h common/util.h
shell/render.h:
common/util.h:
